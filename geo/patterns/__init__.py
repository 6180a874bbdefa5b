"""Patterns in time and space: near repeats (Knox), temporal profiles, repeat locations
and the backtest of hotspot methods."""
