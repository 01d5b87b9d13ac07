"""What we do to Google's bytes on the way out and back: request preparation, the response and stream
normaliser, the SSE decoder for Google's error frames, and Google's error bodies mapped to the SDK's exceptions."""
