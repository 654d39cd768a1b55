"""Hybrid retrieval over the knowledge base: jieba BM25 + dense vectors (faiss), fused and explained."""
