"""Outcome measures on screen: the trend chart (trend.py), the full-screen form a
client answers (form.py), and the safety banners and Overview panel (panel.py)."""
