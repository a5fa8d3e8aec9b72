"""The Studio: train a GAN from the page. `uploads` turns a visitor's .zip (or a built-in dataset) into a folder
the training loop reads, `jobs` runs `python -m playground.train` in a subprocess per visitor and follows it.

Nothing here imports `playground.train`: the app never does (training runs in its own process, with the one
shared loop and recipes, so the web server stays responsive and there is no second training loop).
"""
