"""The evening report's charts, one module per part of the market, drawn from the marts as inline SVG."""
