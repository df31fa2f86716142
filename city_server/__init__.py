"""The city office's sync server: stations push their changes and pull their scope over HTTP."""
