"""One package per simulated API; each hands on its :class:`ApiDefinition`."""
