/* SPDX-License-Identifier: MIT */
/*
 * The HTML report: one self-contained page (inline CSS, inline SVG drawn by a small inline
 * script, no network) with RSS and tracked memory over time against the memory limit, the live
 * bytes of the top sites over time (growing ones highlighted, a dot where each was flagged),
 * and the top sites with their figures and collapsible symbolized stacks. Everything from the
 * trace (function names, paths, argv) is untrusted: HTML-escaped in markup and \u-escaped
 * (including '<', '>' and '&') in the embedded JSON, so no string can close a tag or a script.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "report_formats.h"
#include "util.h"

/* ---- escaping ----------------------------------------------------------------------------- */

/* Text or attribute content: markup characters become entities, control characters and
 * invalid UTF-8 bytes become U+FFFD. */
static void hstr(FILE *f, const char *str)
{
	if (!str)
		return;
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t k = 1;
		if (c == '&')
			fputs("&amp;", f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '"')
			fputs("&quot;", f);
		else if (c == '\'')
			fputs("&#39;", f);
		else if ((c < 0x20 && c != '\t') || c == 0x7f)
			fputs("&#xfffd;", f);
		else if (c < 0x80)
			fputc((int)c, f);
		else if ((k = grw_utf8_len(s + i, n - i)) == 0) {
			fputs("&#xfffd;", f);
			k = 1;
		} else
			fwrite(s + i, 1, k, f);
		i += k;
	}
}

/* A JSON string that is also safe inside <script>: no '<', '>', '&' or quotes unescaped. */
static void jsstr(FILE *f, const char *str)
{
	if (!str) {
		fputs("null", f);
		return;
	}
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str);
	fputc('"', f);
	for (size_t i = 0; i < n;) {
		unsigned c = s[i];
		size_t k = 1;
		if (c < 0x20 || c == 0x7f || c == '<' || c == '>' || c == '&' || c == '"' ||
		    c == '\\' || c == '\'')
			fprintf(f, "\\u%04x", c);
		else if (c < 0x80)
			fputc((int)c, f);
		else if ((k = grw_utf8_len(s + i, n - i)) == 0) {
			fputs("\\ufffd", f);
			k = 1;
		} else
			fwrite(s + i, 1, k, f);
		i += k;
	}
	fputc('"', f);
}

static void jnum(FILE *f, double v)
{
	if (isfinite(v))
		fprintf(f, "%.6g", v);
	else
		fputs("null", f);
}

static void jpoints(FILE *f, const struct grw_point *pts, uint32_t n)
{
	fputc('[', f);
	for (uint32_t i = 0; i < n; i++) {
		fprintf(f, "%s[%.3f,", i ? "," : "", pts[i].t_s);
		jnum(f, pts[i].v);
		fputc(']', f);
	}
	fputc(']', f);
}

/* ---- the page ----------------------------------------------------------------------------- */

static const char css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:1.5em auto;max-width:72em;padding:0 1em;"
	"color:#222}\n"
	"h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}code{font-size:.95em}\n"
	".meta td{padding:0 1em 0 0}.chart svg{width:100%;height:auto;border:1px solid #ddd;"
	"background:#fff}\n"
	".series{fill:none;stroke-width:1.5}.rss{stroke:#1f77b4}.tracked{stroke:#2ca02c}"
	".limit{stroke:#d62728;stroke-dasharray:6 4;stroke-width:1.5}\n"
	".site{stroke:#bbb}.site.growing{stroke:#d62728;stroke-width:2.5}.flag{fill:#d62728}"
	".spark svg{width:120px;height:28px}.spark path{fill:none;stroke:#888;stroke-width:1.5}"
	".spark path.growing{stroke:#d62728}.label{font-size:11px;fill:#d62728}\n"
	".axis{stroke:#999;stroke-width:1}.tick{font-size:11px;fill:#555}\n"
	".legend span{margin-right:1.2em;white-space:nowrap}.sw{display:inline-block;width:1.4em;"
	"height:.25em;vertical-align:middle;margin-right:.3em}\n"
	"table.sites{border-collapse:collapse;width:100%}table.sites td,table.sites th{padding:.2em "
	".5em;border-bottom:1px solid #eee;text-align:right;vertical-align:top;white-space:nowrap}\n"
	"table.sites td.fn,table.sites th.fn{text-align:left;white-space:normal}.grow{color:#d62728;font-weight:600}\n"
	"details{margin:.2em 0}summary{cursor:pointer}ol.stack{margin:.3em 0 .6em 1em;"
	"font-family:monospace;font-size:12.5px}ol.stack .where{color:#666}\n";

/* Draws the charts from the JSON in #growth-data into #mem-chart and #site-chart. */
static const char js[] =
	"(function(){\n"
	"var D=JSON.parse(document.getElementById('growth-data').textContent);\n"
	"var NS='http://www.w3.org/2000/svg',W=900,H=300,L=70,R=15,T=12,B=30;\n"
	"function el(n,a,p){var e=document.createElementNS(NS,n);for(var k in a)e.setAttribute(k,a[k]);"
	"if(p)p.appendChild(e);return e;}\n"
	"function fmt(b){var u=['B','KiB','MiB','GiB','TiB'],i=0;while(Math.abs(b)>=1024&&i<4){b/=1024;i++;}"
	"return (i?b.toFixed(1):b.toFixed(0))+' '+u[i];}\n"
	"function chart(id,lines,limit,flags){var box=document.getElementById(id);"
	"var svg=el('svg',{viewBox:'0 0 '+W+' '+H,role:'img'},box);"
	"var tmax=Math.max(D.duration||0,1e-3),vmax=0;"
	"lines.forEach(function(l){l.pts.forEach(function(p){if(p[0]>tmax)tmax=p[0];if(p[1]>vmax)vmax=p[1];});});"
	/* A limit far above the data would flatten it: then it is named, not drawn to scale. */
	"var off=limit>0&&limit>4*vmax;if(limit>0&&!off&&limit>vmax)vmax=limit;"
	"if(!(vmax>0))vmax=1;vmax*=1.05;"
	"function x(t){return L+(W-L-R)*t/tmax;}function y(v){return H-B-(H-T-B)*v/vmax;}"
	"el('line',{x1:L,y1:H-B,x2:W-R,y2:H-B,'class':'axis'},svg);el('line',{x1:L,y1:T,x2:L,y2:H-B,'class':'axis'},svg);"
	"for(var i=0;i<=4;i++){var v=vmax*i/4,t=tmax*i/4;"
	"el('text',{x:L-4,y:y(v)+4,'text-anchor':'end','class':'tick'},svg).textContent=fmt(v);"
	"el('text',{x:x(t),y:H-B+16,'text-anchor':'middle','class':'tick'},svg).textContent=t.toFixed(1)+' s';}"
	"if(limit>0&&!off){el('path',{d:'M'+L+' '+y(limit)+'H'+(W-R),'class':'limit'},svg);}"
	"if(off){el('path',{d:'M'+L+' '+T+'H'+(W-R),'class':'limit'},svg);"
	"el('text',{x:W-R-4,y:T+14,'text-anchor':'end','class':'tick'},svg).textContent='memory limit '+fmt(limit)+' (far above, not to scale)';}"
	"lines.forEach(function(l){if(!l.pts.length)return;var d='';"
	"l.pts.forEach(function(p,i){d+=(i?'L':'M')+x(p[0]).toFixed(1)+' '+y(p[1]).toFixed(1);});"
	"var p=el('path',{d:d,'class':'series '+l.cls},svg);el('title',{},p).textContent=l.name;});"
	"lines.forEach(function(l){if(!l.label||!l.pts.length)return;var p=l.pts[l.pts.length-1];"
	"el('text',{x:x(p[0])-4,y:y(p[1])-6,'text-anchor':'end','class':'label'},svg).textContent=l.label;});"
	"(flags||[]).forEach(function(f){var c=el('circle',{cx:x(f.t),cy:y(f.v),r:4,'class':'flag'},svg);"
	"el('title',{},c).textContent=f.name+': flagged growing at '+f.t.toFixed(1)+' s';});}\n"
	"var mem=[{name:'RSS',cls:'rss',pts:D.rss},{name:'tracked (live bytes of all sites)',cls:'tracked',pts:D.tracked}];\n"
	"chart('mem-chart',mem,D.limit);\n"
	"var sl=[],fl=[];D.sites.slice().reverse().forEach(function(s){sl.push({name:s.name,cls:'site'+(s.growing?' growing':''),pts:s.pts,label:s.growing?s.name:''});"
	"if(s.flagged!==null){var v=0;s.pts.forEach(function(p){if(p[0]<=s.flagged)v=p[1];});fl.push({name:s.name,t:s.flagged,v:v});}});\n"
	"chart('site-chart',sl,0,fl);\n"
	"Array.prototype.forEach.call(document.querySelectorAll('.spark'),function(sp){"
	"var s=D.sites[+sp.getAttribute('data-site')];if(!s||!s.pts.length)return;"
	"var t0=s.pts[0][0],t1=Math.max(D.duration||0,s.pts[s.pts.length-1][0]),vm=0;"
	"s.pts.forEach(function(p){if(p[1]>vm)vm=p[1];});if(!(vm>0))vm=1;var w=120,h=28,d='';"
	"s.pts.forEach(function(p,i){d+=(i?'L':'M')+(2+(w-4)*(t1>t0?(p[0]-t0)/(t1-t0):0)).toFixed(1)+' '+(h-2-(h-4)*p[1]/vm).toFixed(1);});"
	"var svg=el('svg',{viewBox:'0 0 '+w+' '+h},sp);el('path',{d:d,'class':s.growing?'growing':''},svg);});\n"
	"})();\n";

static void fmt_b(FILE *f, double bytes)
{
	char b[32];
	fputs(grw_fmt_bytes(b, sizeof b, bytes), f);
}

static void head(FILE *f, const struct grw_model *m, const struct grw_report_opts *o)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width\">\n<title>growth: ",
	      f);
	hstr(f, m->exe ? m->exe : "trace");
	fprintf(f, "</title>\n<style>\n%s</style></head>\n<body>\n<h1>growth report: <code>", css);
	hstr(f, m->exe ? m->exe : "?");
	fputs("</code></h1>\n<table class=\"meta\">\n<tr><td>command</td><td><code>", f);
	for (uint64_t i = 0; i < m->argc; i++) {
		if (i)
			fputc(' ', f);
		hstr(f, m->argv[i]);
	}
	fprintf(f, "</code></td></tr>\n<tr><td>pid</td><td>%" PRIu64 "</td></tr>\n", m->hdr.pid);
	fputs("<tr><td>trace</td><td><code>", f);
	hstr(f, o->trace_path);
	fprintf(f, "</code></td></tr>\n<tr><td>duration</td><td>%.1f s", m->duration_s);
	const char *why = grw_model_end_reason(m);
	fputs(" (ended: ", f);
	hstr(f, why ? why : "no end record");
	fputs(")</td></tr>\n", f);
	if (m->truncated) {
		fputs("<tr><td>truncated</td><td class=\"grow\">", f);
		hstr(f, m->ending[0] ? m->ending : "the trace has no end record");
		fputs("</td></tr>\n", f);
	}
	fputs("<tr><td>RSS</td><td>peak ", f);
	fmt_b(f, (double)m->rss.peak_bytes);
	fputs(", end ", f);
	fmt_b(f, (double)m->rss.end_bytes);
	fputs("</td></tr>\n<tr><td>memory limit</td><td>", f);
	if (grw_model_limit(m))
		fmt_b(f, (double)grw_model_limit(m));
	else
		fputs("unknown", f);
	fputs("</td></tr>\n</table>\n", f);
}

static int site_rows(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		     const size_t *order, size_t shown)
{
	char name[1024];
	fputs("<h2>Top sites</h2>\n<table class=\"sites\"><thead><tr><th class=\"fn\">site and "
	      "stack</th><th>over time</th><th>live at end</th><th>peak</th><th>slope</th><th>flagged at</th>"
	      "<th>allocs</th><th>frees</th><th class=\"fn\">pattern</th></tr></thead><tbody>\n",
	      f);
	for (size_t r = 0; r < shown; r++) {
		const struct grw_model_site *s = &m->sites[order[r]];
		const struct grw_sym_frame *fr;
		size_t n;
		int e = grw_sym_site(sym, s, &fr, &n);
		if (e)
			return e;
		const struct grw_sym_frame *best = grw_sym_best(fr, n);
		bool grow = s->verdict.growing;
		fprintf(f, "<tr id=\"site-%" PRIu64 "\"><td class=\"fn\"><details%s><summary%s>", s->id,
			grow ? " open" : "", grow ? " class=\"grow\"" : "");
		hstr(f, best ? grw_frame_name(best, name, sizeof name) : "[unknown]");
		if (best && best->file) {
			fputs(" <span class=\"where\">", f);
			hstr(f, best->file);
			if (best->line > 0)
				fprintf(f, ":%d", best->line);
			fputs("</span>", f);
		}
		fprintf(f, " (%s)</summary>\n<ol class=\"stack\">",
			s->kind == GRW_KIND_MMAP ? "mmap" : "heap");
		for (size_t i = 0; i < n; i++) {
			fputs("<li>", f);
			hstr(f, grw_frame_name(&fr[i], name, sizeof name));
			fputs(" <span class=\"where\">", f);
			if (fr[i].file) {
				hstr(f, fr[i].file);
				if (fr[i].line > 0)
					fprintf(f, ":%d", fr[i].line);
			} else if (fr[i].module) {
				hstr(f, fr[i].module);
			}
			if (fr[i].inlined)
				fputs(" (inlined)", f);
			fputs("</span></li>", f);
		}
		fprintf(f, "</ol></details></td><td><span class=\"spark\" data-site=\"%zu\"></span></td><td>",
			r);
		fmt_b(f, (double)s->live_bytes);
		fputs("</td><td>", f);
		fmt_b(f, (double)s->peak_live_bytes);
		fputs("</td><td>", f);
		if (isfinite(s->verdict.slope_bps) && s->verdict.slope_bps != 0) {
			fmt_b(f, s->verdict.slope_bps);
			fputs("/s", f);
		}
		fputs("</td><td>", f);
		if (s->flagged_at_s >= 0)
			fprintf(f, "%.1f s", s->flagged_at_s);
		fprintf(f, "</td><td>%" PRIu64 "</td><td>%" PRIu64 "</td><td class=\"fn%s\">", s->allocs,
			s->frees, grow ? " grow" : "");
		hstr(f, grw_pattern_name(s->verdict.pattern));
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
	return 0;
}

int grw_report_html(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		    const struct grw_report_opts *o, size_t top_n)
{
	size_t *order = NULL;
	int e = grw_model_sort_sites(m, &order);
	if (e)
		return e;
	size_t shown = m->nsites < top_n ? m->nsites : top_n;

	head(f, m, o);
	fputs("<h2>Memory over time</h2>\n<div class=\"legend\"><span><i class=\"sw\" "
	      "style=\"background:#1f77b4\"></i>RSS</span><span><i class=\"sw\" "
	      "style=\"background:#2ca02c\"></i>tracked (live bytes of all sites)</span>",
	      f);
	if (grw_model_limit(m))
		fputs("<span><i class=\"sw\" style=\"background:#d62728\"></i>memory limit</span>", f);
	fputs("</div>\n<div class=\"chart\" id=\"mem-chart\"></div>\n", f);
	fprintf(f, "<h2>Live bytes of the top %zu sites</h2>\n<div class=\"legend\"><span><i "
		   "class=\"sw\" style=\"background:#d62728\"></i>growing (dot: where it was "
		   "flagged)</span><span><i class=\"sw\" style=\"background:#bbb\"></i>other</span>"
		   "</div>\n<div class=\"chart\" id=\"site-chart\"></div>\n",
		shown);

	struct grw_progress pr;
	grw_progress_start(&pr, "writing the HTML report", shown);
	e = site_rows(f, m, sym, order, shown);
	grw_progress_end(&pr);
	if (e)
		goto out_free;
	if (m->nsites > shown) {
		uint64_t rest = 0;
		size_t growing = 0;
		for (size_t r = shown; r < m->nsites; r++) {
			rest += m->sites[order[r]].live_bytes;
			growing += m->sites[order[r]].verdict.growing;
		}
		fprintf(f, "<p>%zu more sites (%zu growing) hold ", m->nsites - shown, growing);
		fmt_b(f, (double)rest);
		fputs(" at the end; <code>growth report --all</code> lists them.</p>\n", f);
	}

	/* The data for the charts. */
	fputs("<script type=\"application/json\" id=\"growth-data\">{\"duration\":", f);
	jnum(f, m->duration_s);
	fprintf(f, ",\"limit\":%" PRIu64 ",\"rss\":", grw_model_limit(m));
	jpoints(f, m->rss.series.pts, m->rss.series.n);
	fputs(",\"tracked\":", f);
	jpoints(f, m->total.series.pts, m->total.series.n);
	fputs(",\"sites\":[", f);
	char name[1024];
	for (size_t r = 0; r < shown; r++) {
		const struct grw_model_site *s = &m->sites[order[r]];
		const struct grw_sym_frame *fr;
		size_t n;
		e = grw_sym_site(sym, s, &fr, &n);
		if (e)
			goto out_free;
		const struct grw_sym_frame *best = grw_sym_best(fr, n);
		fprintf(f, "%s{\"id\":%" PRIu64 ",\"name\":", r ? "," : "", s->id);
		jsstr(f, best ? grw_frame_name(best, name, sizeof name) : "[unknown]");
		fprintf(f, ",\"growing\":%s,\"flagged\":", s->verdict.growing ? "true" : "false");
		if (s->flagged_at_s >= 0)
			fprintf(f, "%.3f", s->flagged_at_s);
		else
			fputs("null", f);
		fputs(",\"pts\":", f);
		jpoints(f, s->series.pts, s->series.n);
		fputc('}', f);
	}
	fprintf(f, "]}</script>\n<script>\n%s</script>\n</body></html>\n", js);
	if (ferror(f))
		e = -EIO;
out_free:
	free(order);
	return e;
}
