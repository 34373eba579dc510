"""moviematch: a movie-recommendation website and the engine behind it."""

__version__ = "0.1.0"
