"""What the Streamlit explorer shows, computed without Streamlit.

``app.py`` and ``pages/`` only lay out widgets; every filter, table, layout, figure,
URL state and escaping rule they use lives in these modules, so it can be tested
without a browser:

- :mod:`.filters`   which transfers a view keeps (:class:`TransferFilter`)
- :mod:`.state`     a view's state as URL query parameters and back
- :mod:`.safety`    data text escaped for markdown and the graph component; http(s)-only links
- :mod:`.tables`    searchable rows of actors, systems, transfers and sources
- :mod:`.elements`  the network drawn by the graph component: nodes, edges, legend, layout, details
- :mod:`.geo`       country centroids from the bundled world map, and the map figure
- :mod:`.timeline`  legs on one timeline, and deliveries per year
- :mod:`.query`     the SPARQL query behind a view

No module here imports streamlit.
"""
