"""Single source of the app and package version; the build stamps it into app.conf and app.manifest."""

__version__ = "0.1.0"
