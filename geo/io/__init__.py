"""Reading and writing files: the one place where user files enter and exports leave.

:mod:`geo.io.reader` turns any supported file (GeoJSON, GeoPackage, zipped Shapefile, KML/KMZ,
GeoParquet, CSV/XLSX with WKT or lon/lat columns) into a frame of the data contract, treating it as
hostile; :mod:`geo.io.export` writes summaries and layers with a metadata stamp. The domain
(:mod:`geo.schema`, :mod:`geo.rollup`, :mod:`geo.quality`) never reads or writes a file.
"""
