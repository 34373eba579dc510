"""Readers for public movie data files (MovieLens, IMDb) and their download. No Django."""
