"""Registry pages, one module per concept: institutions and licences, white/black lists, Excel in and out."""
