# agent fragment (fphintd, tracker library): filled in by its owner
