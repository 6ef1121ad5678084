"""Azure normalisers: Resource Graph rows (one raw record each) to cloud-neutral resources."""
