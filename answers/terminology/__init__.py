"""Reading terminology releases from their packages (sources.py), loading
them into the catalogue (loading.py), and checking the codes conditions carry
against the current release of their system (codes.py)."""
