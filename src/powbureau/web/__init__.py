"""Server-rendered pages: the family pages now, the staff UI later, over the same services."""
