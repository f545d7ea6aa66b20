"""The schedule's screens: the week view with its agenda (week_view.py, week_grid.py)
and the booking and reschedule dialogs (booking_dialog.py)."""
