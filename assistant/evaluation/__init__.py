"""Evaluation: gold formats (``gold``), metrics (``metrics``), ``newsdesk eval`` (``runner``),
``newsdesk bench`` (``bench``)."""
