"""Inference pipelines: load weights once, stay on the device, map plain controls to pictures."""
