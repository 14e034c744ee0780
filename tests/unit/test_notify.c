#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notify/mail.h"
#include "notify/stream.h"
#include "notify/template.h"
#include "notify/webhook.h"
#include "tap.h"

static char share_dir[] = "/tmp/dmr-test-notify.XXXXXX";

static void write_template(const char *kind, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/templates/mail/%s.txt", share_dir, kind);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static bool render(const char *kind, json_t *vars, struct message_text *out)
{
	struct dmr_error err;

	return template_render(share_dir, kind, vars, out, &err);
}

static void test_templates(void)
{
	json_t *vars = json_pack("{s:s, s:s, s:n, s:s, s:I}", "number", "S2026K000042", "reason",
				 "Déjà traité", "message", "address", "1 rue\r\nBcc: x@y.fr",
				 "report_id", (json_int_t)42);
	struct message_text m;
	struct dmr_error err;

	write_template("ok", "Subject: N° {{number}} {{address}}\n\nMotif : {{reason}}\n"
			     "Message : {{message}}\nFin {{report_id}}\n");
	write_template("nosubject", "Bonjour {{number}}\n");
	write_template("unknown", "Subject: x\n\n{{nope}}\n");
	write_template("unclosed", "Subject: x\n\n{{number\n");

	ok(render("ok", vars, &m), "a template renders");
	ok(strcmp(m.subject, "N° S2026K000042 1 rue  Bcc: x@y.fr") == 0,
	   "the subject is one line: control characters of a value become spaces");
	ok(strcmp(m.body, "Motif : Déjà traité\nFin 42\n") == 0,
	   "a line whose placeholders are all empty is left out; numbers render");
	message_text_free(&m);
	ok(!render("nosubject", vars, &m), "a template without its Subject line is refused");
	ok(!render("unknown", vars, &m), "an unknown placeholder is refused");
	ok(!render("unclosed", vars, &m), "an unclosed placeholder is refused");
	ok(!render("missing", vars, &m), "a missing template is refused");
	ok(!template_render(share_dir, "../ok", vars, &m, &err), "a kind cannot name a path");
	json_decref(vars);
}

static void test_mail(void)
{
	struct message_text text = {"Signalement traité : passage prévu à 8 h",
				    ".début\nligne avec espace finale \n"
				    "une très longue ligne de texte qui dépasse largement soixante-"
				    "seize caractères et doit être coupée proprement\n"};
	char *mail = mail_compose("Dans ma rue <noreply@paris.fr>", "marie@example.org",
				  "0f8e6a3c-0000-4000-8000-000000000001", &text, NULL);
	char *line, *save = NULL;
	bool short_lines = true;

	ok(mail != NULL, "a message is composed");
	ok(strstr(mail, "\r\nTo: <marie@example.org>\r\n") != NULL, "one recipient");
	ok(strstr(mail, "Message-ID: <0f8e6a3c-0000-4000-8000-000000000001@paris.fr>\r\n") != NULL,
	   "the Message-ID is the outbox message's id");
	ok(strstr(mail, "Subject: =?UTF-8?B?") != NULL, "the subject is RFC 2047 encoded");
	ok(strstr(mail, "From: =?UTF-8?B?RGFucyBtYSBydWU=?= <noreply@paris.fr>\r\n") != NULL,
	   "the sender's name is encoded, its address kept");
	ok(strstr(mail, "\r\n=2Ed=C3=A9but\r\n") != NULL,
	   "a leading dot and non-ASCII bytes are quoted-printable");
	ok(strstr(mail, "finale=20\r\n") != NULL, "a space at the end of a line is encoded");
	for (line = strtok_r(mail, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		short_lines = short_lines && strlen(line) <= 77;
	ok(short_lines, "no line is longer than 76 characters and its CR");
	free(mail);
	mail = mail_compose("noreply@paris.fr", "marie@example.org", "1", &text, NULL);
	ok(mail && !strstr(mail, "List-Unsubscribe"), "no unsubscribe header without a link");
	free(mail);
	mail = mail_compose("noreply@paris.fr", "marie@example.org", "1", &text,
			    "https://dmr.example/email/unsubscribe?token=u.1.2.ab");
	ok(mail && strstr(mail, "\r\nList-Unsubscribe: "
				"<https://dmr.example/email/unsubscribe?token=u.1.2.ab>\r\n"
				"List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"),
	   "the unsubscribe link is offered for one click (RFC 8058)");
	free(mail);
}

static void test_signature(void)
{
	char sig[WEBHOOK_SIGNATURE_SIZE];
	char again[WEBHOOK_SIGNATURE_SIZE];

	/* HMAC-SHA256("key", "1700000000.{}"), computed with Python's hmac module. */
	webhook_signature("key", 1700000000, "{}", 2, sig);
	ok(strcmp(sig, "t=1700000000,v1=9d713ed406bb7076d4123f0dc2c39d2df5c654ed4b0cd56b52c8b4c9"
		       "40bd63ae") == 0,
	   "the signature is the HMAC-SHA256 of the time, a dot and the body");
	webhook_signature("key", 1700000000, "{ }", 3, again);
	ok(strcmp(sig, again) != 0, "another body, another signature");
	webhook_signature("other", 1700000000, "{}", 2, again);
	ok(strcmp(sig, again) != 0, "another secret, another signature");
}

static void test_event_ids(void)
{
	ok(stream_event_id_valid("12900.1"), "an event id is valid");
	ok(!stream_event_id_valid("12900"), "an id without its event part is refused");
	ok(!stream_event_id_valid(".1"), "an id without its transaction part is refused");
	ok(!stream_event_id_valid("12900.1x"), "trailing bytes are refused");
	ok(!stream_event_id_valid("123456789012345678901.1"), "an overlong transaction id is refused");
	ok(!stream_event_id_valid("-1.2"), "a sign is refused");
}

int main(void)
{
	char dir[256];

	if (!mkdtemp(share_dir))
		return 1;
	snprintf(dir, sizeof dir, "%s/templates", share_dir);
	mkdir(dir, 0700);
	snprintf(dir, sizeof dir, "%s/templates/mail", share_dir);
	mkdir(dir, 0700);
	test_templates();
	test_mail();
	test_signature();
	test_event_ids();
	snprintf(dir, sizeof dir, "rm -rf '%s'", share_dir);
	if (system(dir) != 0)
		return 1;
	return tap_done();
}
