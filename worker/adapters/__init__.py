"""Channel adapters: one module per channel behind ``worker.adapters.base.ChannelAdapter``."""
