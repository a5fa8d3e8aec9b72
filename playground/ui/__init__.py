"""The Gradio interface: one module per tab, wiring widgets to pipeline callables (no torch here)."""
