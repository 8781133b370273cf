"""forge-verilog: a forge domain where the model writes Verilog, checked by Icarus Verilog."""
