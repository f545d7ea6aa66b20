"""The tabs of a client's chart (ui/client_view.py holds them). Each tab takes the open
`Chart` through `show_chart` and keeps it only while the chart is open."""
