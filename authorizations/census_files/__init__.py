"""The census in and out: a census CSV imported as clients, episodes and coverages (through their
own services), and the census and attendance-for-billing exports (CSV)."""
