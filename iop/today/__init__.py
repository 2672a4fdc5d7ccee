"""Today: the first screen of every role — the day itself, as lines that each link to the page
that fixes them. The page owns no data: each domain app registers its panels here (`hooks`)."""
