"""Files in and out: the CSV formats of ``shared/formats``."""
