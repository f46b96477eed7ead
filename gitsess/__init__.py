"""gitsess: the working memory of AI-assisted development, kept inside git."""

__version__ = "0.1.0"
