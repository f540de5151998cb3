"""The product's truth: vault, model, store, audit, forms, sync, pdf. Never imports Qt."""
