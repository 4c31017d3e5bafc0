"""streamcore's I/O edges: the WebSocket and WebRTC transports, the page server, the client."""
