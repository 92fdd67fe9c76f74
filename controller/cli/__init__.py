"""The ``jobctl`` command line: the outermost layer, free to import every other package."""
