# tests fragment: filled in by its owner
