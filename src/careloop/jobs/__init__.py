"""Background work: periodic jobs leased through rows in the database (`runner`), the list
of jobs (`registry`), run in the app (`background`) or by `careloop worker` (`foreground`)."""
