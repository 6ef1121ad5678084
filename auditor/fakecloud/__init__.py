"""Embedded fake clouds for the demo and the tests: real SDKs, loopback only."""
