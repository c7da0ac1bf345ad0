"""Helpers shared by tests of several folders: generated records, fake servers, small code locations."""
