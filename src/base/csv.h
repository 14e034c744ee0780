#ifndef DMR_BASE_CSV_H
#define DMR_BASE_CSV_H

/*
 * CSV as RFC 4180 writes it: fields separated by commas, rows ended by CRLF, a field that
 * holds the separator, a quote, a CR or a LF quoted with its quotes doubled. The spreadsheet
 * form (excel), for spreadsheets set up in French, separates fields by semicolons, writes
 * decimal numbers with a decimal comma, and starts with a UTF-8 byte order mark so that they
 * read UTF-8; its text fields that a spreadsheet would take for a formula (=, +, -, @, tab,
 * CR) are prefixed with a quote ', which a spreadsheet shows as text.
 */

#include <stdbool.h>

#include "base/buf.h"

struct csv {
	struct buf *out;
	bool excel;
	bool row_started; /* a field is in the current row: the next one needs a separator */
};

/* Writes into out, in the spreadsheet form when excel. */
void csv_init(struct csv *csv, struct buf *out, bool excel);

/* What starts a document: the spreadsheet form's byte order mark, nothing for RFC 4180. */
void csv_begin_document(struct csv *csv);

/* A text field; NULL is an empty field. */
void csv_text(struct csv *csv, const char *s);

/* A number as PostgreSQL prints it ("12", "-3.5", "1e-05"); NULL is an empty field. */
void csv_number(struct csv *csv, const char *s);

/* Ends the row. */
void csv_end_row(struct csv *csv);

#endif
