# Read every table of the data package in R with readr and jsonlite, using the types of its Table Schema,
# and check what a reader relies on: the header and the types. Keys and constraints are make validate's
# job (one rule, one engine); this script shows that R reads what the schemas say.
#
#   Rscript tests/read_package.R [package root, default "."]
#
# On success it prints one line per table to stdout and exits 0:
#   table<TAB>rows<TAB>field:rclass,field:rclass,...
# Otherwise it prints each problem to stderr (table, row, column, expected, actual) and exits 1.
# Rows count records with the header as row 1, as frictionless and `make validate` do.
# Everything comes from datapackage.json and the schemas: no table name or type is written here.
# tests/test_r.py runs it; it needs only Debian's r-base-core, r-cran-readr and r-cran-jsonlite.

suppressPackageStartupMessages({
  library(jsonlite)
  library(readr)
})

args <- commandArgs(trailingOnly = TRUE)
root <- if (length(args) >= 1) args[[1]] else "."

problems_found <- character()
complain <- function(...) problems_found <<- c(problems_found, paste0(...))
MAX_SHOWN <- 20  # problems shown per table and check; the rest are counted

descriptor <- fromJSON(file.path(root, "datapackage.json"), simplifyVector = FALSE)

schema_of <- function(resource) {
  s <- resource$schema
  if (is.character(s)) fromJSON(file.path(root, s), simplifyVector = FALSE) else s
}

as_names <- function(x) if (is.null(x)) character() else unlist(x)

# Frictionless defaults, used when a field does not declare its own.
TRUE_VALUES <- c("true", "True", "TRUE", "1")
FALSE_VALUES <- c("false", "False", "FALSE", "0")

# The readr column type of one field; booleans are read as text and mapped with the field's
# trueValues and falseValues below, because readr's own logical parser also takes T, F, 1 and 0.
col_of <- function(table, field) {
  type <- if (is.null(field$type)) "string" else field$type
  fmt <- if (is.null(field$format)) "default" else field$format
  unsupported <- function(why) stop(sprintf("table %s, field %s: %s", table, field$name, why), call. = FALSE)
  switch(type,
    string = col_character(),
    integer = {
      if (!is.null(field$bareNumber) && !isTRUE(field$bareNumber)) unsupported("integer with bareNumber false is not supported")
      col_integer()
    },
    number = {
      for (opt in c("decimalChar", "groupChar")) if (!is.null(field[[opt]])) unsupported(sprintf("number with %s is not supported", opt))
      if (!is.null(field$bareNumber) && !isTRUE(field$bareNumber)) unsupported("number with bareNumber false is not supported")
      col_double()
    },
    boolean = col_character(),
    date = {
      if (fmt == "default") col_date("%Y-%m-%d")
      else if (fmt == "any") unsupported("date format \"any\" is not supported")
      else col_date(fmt)  # a strftime pattern, which readr reads the same way
    },
    unsupported(sprintf("type \"%s\" is not supported (string, integer, number, boolean and date are)", type))
  )
}

show <- function(table, what, rows, column, expected, actual) {
  n <- length(rows)
  for (i in seq_len(min(n, MAX_SHOWN))) {
    complain(sprintf("table %s, row %s, column %s: %s; expected %s, actual \"%s\"",
                     table, rows[[i]], column[[min(i, length(column))]], what,
                     expected[[min(i, length(expected))]], actual[[min(i, length(actual))]]))
  }
  if (n > MAX_SHOWN) complain(sprintf("table %s: %d more problem(s) of this kind (%s)", table, n - MAX_SHOWN, what))
}

read_table <- function(resource) {
  table <- resource$name
  schema <- schema_of(resource)
  fields <- schema$fields
  field_names <- vapply(fields, function(f) f$name, "")
  mv <- schema$missingValues
  if (is.null(mv)) mv <- descriptor$missingValues
  na <- if (is.null(mv)) "" else as_names(mv)
  d <- resource$dialect
  delim <- if (is.null(d$delimiter)) "," else d$delimiter
  quote <- if (is.null(d$quoteChar)) "\"" else d$quoteChar
  header <- is.null(d$header) || isTRUE(d$header)
  encoding <- if (is.null(resource$encoding)) "UTF-8" else resource$encoding
  path <- file.path(root, as_names(resource$path))
  if (length(path) != 1) stop(sprintf("table %s: only a resource with one path is supported", table), call. = FALSE)

  if (header) {
    found <- names(read_delim(path, delim = delim, quote = quote, n_max = 0, col_types = cols(.default = col_character()),
                              locale = locale(encoding = encoding), trim_ws = FALSE, progress = FALSE))
    if (!identical(found, field_names)) {
      complain(sprintf("table %s, row 1 (header): column names differ from the schema's fields; expected %s, actual %s",
                       table, paste(field_names, collapse = ","), paste(found, collapse = ",")))
      return(NULL)
    }
  }
  types <- setNames(lapply(fields, function(f) col_of(table, f)), field_names)
  # readr's warning only points to problems(), which are reported below, row by row.
  data <- suppressWarnings(read_delim(path, delim = delim, quote = quote, col_names = if (header) TRUE else field_names,
                     escape_double = is.null(d$doubleQuote) || isTRUE(d$doubleQuote), col_types = do.call(cols, types),
                     na = na, locale = locale(encoding = encoding), trim_ws = FALSE, progress = FALSE))
  p <- problems(data)
  if (nrow(p) > 0) {
    show(table, "cannot be read as the schema's type", p$row, ifelse(is.na(p$col), "?", field_names[p$col]), p$expected, p$actual)
  }
  for (f in fields) {
    if (identical(f$type, "boolean")) {
      tv <- if (is.null(f$trueValues)) TRUE_VALUES else as_names(f$trueValues)
      fv <- if (is.null(f$falseValues)) FALSE_VALUES else as_names(f$falseValues)
      text <- data[[f$name]]
      bad <- which(!is.na(text) & !(text %in% c(tv, fv)))
      show(table, "cannot be read as the schema's type", bad + header, f$name,
           sprintf("a boolean (%s)", paste(c(tv, fv), collapse = "/")), text[bad])
      value <- ifelse(text %in% tv, TRUE, ifelse(text %in% fv, FALSE, NA))
      data[[f$name]] <- as.logical(value)
    }
  }
  data
}

tables <- list()
for (resource in descriptor$resources) {
  table <- resource$name
  tables[[table]] <- tryCatch(read_table(resource), error = function(e) { complain(conditionMessage(e)); NULL })
}

if (length(problems_found) > 0) {
  writeLines(problems_found, con = stderr())
  writeLines(sprintf("%d problem(s) found in %s", length(problems_found), normalizePath(root)), con = stderr())
  quit(status = 1)
}

for (table in names(tables)) {
  data <- tables[[table]]
  classes <- vapply(names(data), function(n) paste0(n, ":", class(data[[n]])[[1]]), "")
  cat(table, "\t", nrow(data), "\t", paste(classes, collapse = ","), "\n", sep = "")
}
