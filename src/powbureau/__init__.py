"""powbureau: the information bureau for prisoners of war and people held in an armed conflict."""

__version__ = "0.1.0"
