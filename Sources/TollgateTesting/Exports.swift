// Tests get the simulated providers with the rest of their fixtures.
@_exported import SimulatedProviders
