# kmod fragment: filled in by its owner
