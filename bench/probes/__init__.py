"""Scripts run by the runtime-only interpreter (.venv-runtime): standard library only."""
