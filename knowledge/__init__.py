"""Knowledge content (documents, FAQ, domain dictionary) and the code that reads it."""
