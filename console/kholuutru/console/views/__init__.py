"""Console pages (FAB views): the home page and the units pages."""
