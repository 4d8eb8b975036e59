"""Pure geometry for Cu dissolution studies: bulk, slabs, adsorbates, sites, removal endpoints.

Imports no calculator and no jobflow.
"""
