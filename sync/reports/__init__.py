"""Reports: renderers of run results and catalogue overviews."""
