"""Publisher of party-pledge comparisons: seeds -> polars tables -> data package, workbook and booklet."""

__version__ = "0.1.0"
