"""Write the app's Dashboard Studio views (default/data/ui/views/*.xml) from one readable place.

Run `python tools/dashboards/build_views.py` after a change; a test fails when the committed views
differ from what this script writes. Every search goes through the app's macros.
"""

import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIEWS = os.path.join(ROOT, "default", "data", "ui", "views")
TIME = {"earliest": "$global_time.earliest$", "latest": "$global_time.latest$"}
RUNS = '`modelops_index` sourcetype="dsdl:modelops" (event_type="fit_run" OR event_type="apply_run") | `modelops_dedup`'


def search(query, time=True):
    options = {"query": query}
    if time:
        options["queryParameters"] = dict(TIME)
    return {"type": "ds.search", "options": options}


def chain(base, query):
    return {"type": "ds.chain", "options": {"extend": base, "query": query}}


def viz(kind, title, source, options=None, description=None, handlers=None):
    item = {"type": kind, "title": title, "dataSources": {"primary": source}, "options": options or {}}
    if description:
        item["description"] = description
    if handlers:
        item["eventHandlers"] = handlers
    return item


def markdown(text):
    return {"type": "splunk.markdown", "options": {"markdown": text}}


def time_input(default="-7d@h,now"):
    return {"type": "input.timerange", "title": "Time range",
            "options": {"token": "global_time", "defaultValue": default}}


def dropdown(token, title, source=None, statics=None, default=None):
    """A dropdown over a search's `label`/`value` columns (plus static choices). Without a static
    default it lands on the search's first row, so no panel waits for a choice on first load."""
    item = {"type": "input.dropdown", "title": title,
            "options": {"token": token, "items": statics or []}}
    if default is not None:
        item["options"]["defaultValue"] = default
    elif source:
        item["options"]["selectFirstSearchResult"] = True
    if source:
        item["dataSources"] = {"primary": source}
        item["options"]["items"] = ">frame(label, value) | prepend(formattedStatics) | objects()"
        item["context"] = {
            "formattedConfig": {"number": {"prefix": ""}},
            "formattedStatics": ">statics | formatByType(formattedConfig)",
            "statics": [[s["label"] for s in statics or []], [s["value"] for s in statics or []]],
            "label": '>primary | seriesByName("label") | renameSeries("label") | formatByType(formattedConfig)',
            "value": '>primary | seriesByName("value") | renameSeries("value") | formatByType(formattedConfig)',
        }
    return item


def link_to(dashboard, token, field):
    return [{"type": "drilldown.linkToDashboard",
             "options": {"app": "dsdl_modelops", "dashboard": dashboard, "newTab": False,
                         "tokens": [{"token": token, "value": "row.%s.value" % field}]}}]


def set_token(token, field):
    return [{"type": "drilldown.setToken", "options": {"tokens": [{"token": token, "key": "row.%s.value" % field}]}}]


def link_to_search(query):
    """Open Splunk's search page with `query` (row tokens filled in); it runs as the user who clicked."""
    return [{"type": "drilldown.linkToSearch",
             "options": {"type": "custom", "query": query, "earliest": "-24h@h", "latest": "now", "newTab": True}}]


def grid(*rows):
    """rows of (item, width) pairs -> grid structure; heights per row given as ("height", h)."""
    structure, y = [], 0
    for height, items in rows:
        x = 0
        for item, width in items:
            structure.append({"item": item, "type": "block", "position": {"x": x, "y": y, "w": width, "h": height}})
            x += width
        y += height
    return {"type": "grid", "structure": structure}


def dashboard(title, description, data_sources, visualizations, inputs, global_inputs, layout):
    return {"title": title, "description": description, "dataSources": data_sources,
            "visualizations": visualizations, "inputs": inputs, "defaults": {},
            "layout": {"globalInputs": global_inputs, "tabs": {"items": [{"layoutId": "layout_1", "label": title}]},
                       "layoutDefinitions": {"layout_1": layout}}}


MODELS = search("| modelregistry | stats count by model | eval label=model, value=model | table label value",
                time=False)
HEALTH_ROWS = '> table | seriesByName("health") | matchValue(healthColors)'
HEALTH_COLORS = [{"match": "red", "value": "#D41F1F"}, {"match": "amber", "value": "#F4B731"},
                 {"match": "green", "value": "#118832"}]
HEALTH_TEXT = '> table | seriesByName("health") | matchValue(healthText)'
# Text that reads on each background (a drilldown table otherwise prints its cells in link blue).
HEALTH_TEXT_COLORS = [{"match": "red", "value": "#FFFFFF"}, {"match": "amber", "value": "#000000"},
                      {"match": "green", "value": "#FFFFFF"}]


def overview():
    ds = {
        "ds_runs": search(RUNS),
        "ds_registry": search("| modelregistry | eval pointer=mvmap(aliases, aliases.\"=\".version) "
                              "| stats values(pointer) AS aliases dc(version) AS versions by model "
                              "| rename model AS model_family", time=False),
        "ds_quality": chain("ds_runs", '| where event_type="apply_run" | stats latest(_time) AS last_apply '
                            'latest(metrics.f1) AS f1 latest(metrics.r2) AS r2 latest(metrics.accuracy) AS accuracy '
                            'count(eval(status="error")) AS failed by model_family '
                            '| eval primary=round(coalesce(f1, accuracy, r2), 3), health=case(isnull(primary), '
                            '"no metric", primary>=0.9, "green", primary>=0.8, "amber", true(), "red"), '
                            'last_apply=strftime(last_apply, "%Y-%m-%d %H:%M") '
                            '| table model_family health primary last_apply failed'),
        "ds_drift": search("`modelops_events(profile)` | modeldrift | where feature=\"_dataset_\" "
                           "| rex field=model \"^(?<model_family>.+?)_[vV]\\d+$\" "
                           "| stats max(drift_share) AS drift_share max(drift) AS drifting by model_family"),
        "ds_alerts": search("| rest /servicesNS/-/dsdl_modelops/alerts/fired_alerts splunk_server=local "
                            "| where title!=\"-\" | table title triggered_alert_count", time=False),
        "ds_timeline": chain("ds_runs", "| timechart count by event_type"),
    }
    v = {
        "viz_intro": markdown("Every model family at a glance. Click a row to open **Model detail**."),
        "viz_registry": viz("splunk.table", "Families and the version behind each alias", "ds_registry",
                            handlers=link_to("modelops_model_detail", "model", "model_family")),
        "viz_quality": viz("splunk.table", "Last apply and primary metric (f1, accuracy or r2)", "ds_quality",
                           {"columnFormat": {"health": {"rowBackgroundColors": HEALTH_ROWS, "rowColors": HEALTH_TEXT}}},
                           handlers=link_to("modelops_model_detail", "model", "model_family")),
        "viz_drift": viz("splunk.table", "Drift (latest profiles)", "ds_drift",
                         handlers=link_to("modelops_drift", "model", "model_family")),
        "viz_alerts": viz("splunk.table", "Fired alerts", "ds_alerts"),
        "viz_timeline": viz("splunk.column", "Runs over time", "ds_timeline", {"stackMode": "stacked"}),
    }
    v["viz_quality"]["context"] = {"healthColors": HEALTH_COLORS, "healthText": HEALTH_TEXT_COLORS}
    layout = grid((60, [("viz_intro", 1200)]), (300, [("viz_registry", 600), ("viz_quality", 600)]),
                  (280, [("viz_drift", 600), ("viz_alerts", 600)]), (300, [("viz_timeline", 1200)]))
    return dashboard("ModelOps overview", "Health of every model: aliases, quality, drift, failures, alerts.", ds, v,
                     {"input_time": time_input()}, ["input_time"], layout)


# Scored events of the version production points at (the contract: README "Scored events").
PRODUCTION = '[| modelregistry action=resolve model="$model$" alias=production | return model_name=dsdl_model]'
SCORED = "`modelops_scored($model$)` " + PRODUCTION
# Dashed lines: the band (estimate +- 3 sampling errors) and the reference thresholds.
BAND_STYLE = {"lineDashStylesByField": {"lower": "shortDash", "upper": "shortDash", "lower_threshold": "dash",
                                        "upper_threshold": "dash"},
              "seriesColorsByField": {"estimated": "#1F4E9E", "realized": "#118832", "lower": "#7AA7E8",
                                      "upper": "#7AA7E8", "lower_threshold": "#D41F1F", "upper_threshold": "#D41F1F"}}
FORECAST_STYLE = {"lineDashStylesByField": {"lower": "shortDash", "upper": "shortDash"},
                  "seriesColorsByField": {"actual": "#000000", "forecast": "#1F4E9E", "lower": "#7AA7E8",
                                          "upper": "#7AA7E8"}}


def model_detail():
    family = 'model_family="$model$"'
    ds = {
        "ds_models": MODELS,
        "ds_versions": search('| modelregistry model="$model$" | eval created=strftime(created_at, "%Y-%m-%d %H:%M") '
                              "| table version dsdl_model aliases status created created_by algo run_id", time=False),
        "ds_applies": search('`modelops_events(apply_run)` %s' % family),
        "ds_metric": chain("ds_applies", "| timechart avg(metrics.$metric$) by model_version"),
        "ds_speed": chain("ds_applies", "| eval rows_per_s=if(duration_s>0, n_rows/duration_s, null()) "
                          "| timechart avg(duration_s) AS duration_s avg(rows_per_s) AS rows_per_s"),
        "ds_fits": search('`modelops_events(fit_run)` %s '
                          '| sort - _time | eval label=model_name." ".strftime(_time, "%%Y-%%m-%%d %%H:%%M"), '
                          "value=run_id | table label value" % family),
        "ds_curve": search('`modelops_events(training_step)` run_id="$run$" '
                           "| chart avg(metrics.loss) AS loss avg(metrics.val_loss) AS val_loss by epoch"),
        "ds_errors": search('`modelops_index` sourcetype="dsdl:modelops" %s status="error" | `modelops_dedup` '
                            "| table _time event_type model_name error" % family),
        # CBPE per day over production's scored events; labelled events older than 7 days are the reference.
        "ds_estimate": search(SCORED + ' | eval period=if(isnotnull(label) AND label!="" AND _time < '
                              'relative_time(now(), "-7d@d"), "reference", "analysis") '
                              "| modelestimate label=label score=score prediction=prediction split=period span=1d "
                              "metrics=$cbpe$ | eval _time=chunk_start "
                              "| table _time estimated lower upper lower_threshold upper_threshold realized"),
        # Forecast families: those whose apply_run events carry forecast metrics (task=forecast).
        "ds_forecast_models": search("`modelops_events(apply_run)` metrics.mase=* | stats count by model_family "
                                     "| eval label=model_family, value=model_family | table label value"),
        "ds_forecast": search('`modelops_scored($forecast$)` | where isnotnull(forecast) | timechart span=1h '
                              "avg(actual) AS actual avg(forecast) AS forecast avg(lower) AS lower "
                              "avg(upper) AS upper"),
        "ds_forecast_quality": search('`modelops_events(apply_run)` model_family="$forecast$" metrics.mase=* '
                                      "| timechart span=1d avg(metrics.mase) AS mase "
                                      "avg(metrics.coverage) AS coverage"),
    }
    v = {
        "viz_versions": viz("splunk.table", "Versions", "ds_versions"),
        "viz_metric": viz("splunk.line", "$metric$ by version over time", "ds_metric"),
        "viz_curve": viz("splunk.line", "Training curve of the chosen fit (loss and val_loss by epoch)", "ds_curve"),
        "viz_speed": viz("splunk.line", "Apply duration (s) and rows per second", "ds_speed",
                         {"y2Fields": ["rows_per_s"]}),
        "viz_errors": viz("splunk.table", "Runs that failed", "ds_errors"),
        "viz_estimate": viz("splunk.line", "Estimated $cbpe$ of production without labels (modelestimate, per day)",
                            "ds_estimate", dict(BAND_STYLE),
                            description="Dark blue: the CBPE estimate; light dashes: its band (+-3 sampling "
                                        "errors); red dashes: the reference thresholds; green: realized, once "
                                        "labels arrive."),
        "viz_forecast": viz("splunk.line", "$forecast$: actual vs forecast with its interval (hourly)", "ds_forecast",
                            dict(FORECAST_STYLE)),
        "viz_forecast_quality": viz("splunk.line", "$forecast$: MASE and interval coverage per day",
                                    "ds_forecast_quality", {"y2Fields": ["coverage"], "y2AxisMin": 0, "y2AxisMax": 1,
                                                            "yAxisMin": 0},
                                    description="MASE < 1: better than seasonal naive. Coverage (right): near 0.95 "
                                                "is an honest interval."),
    }
    metrics = [{"label": m, "value": m} for m in ("f1", "accuracy", "roc_auc", "r2", "mae", "rmse", "anomaly_rate")]
    estimated = [{"label": m, "value": m} for m in ("roc_auc", "f1", "precision", "recall", "accuracy")]
    inputs = {"input_time": time_input("-30d@d,now"),
              "input_model": dropdown("model", "Model family", "ds_models"),
              "input_metric": dropdown("metric", "Metric", statics=metrics, default="f1"),
              "input_run": dropdown("run", "Fit run", "ds_fits"),
              "input_cbpe": dropdown("cbpe", "Estimated metric", statics=estimated, default="roc_auc"),
              "input_forecast": dropdown("forecast", "Forecast model", "ds_forecast_models")}
    layout = grid((280, [("viz_versions", 1200)]), (300, [("viz_metric", 600), ("viz_curve", 600)]),
                  (320, [("viz_estimate", 1200)]),
                  (300, [("viz_forecast", 700), ("viz_forecast_quality", 500)]),
                  (280, [("viz_speed", 600), ("viz_errors", 600)]))
    return dashboard("Model detail", "Versions, metrics over time, training curves, estimated performance, forecasts, "
                     "speed and errors of one family.", ds, v, inputs,
                     ["input_time", "input_model", "input_metric", "input_run", "input_cbpe", "input_forecast"], layout)


def ab_comparison():
    runs = '`modelops_events(apply_run)` model_family="$model$" (model_version="$va$" OR model_version="$vb$")'
    ds = {
        "ds_models": MODELS,
        # A: the version production points at first; B: the most recently applied other version.
        "ds_version_a": search('| modelregistry model="$model$" '
                               '| eval rank=if(isnotnull(mvfind(aliases, "^production$")), 0, 1) '
                               "| sort rank - created_at | eval label=version, value=version | table label value",
                               time=False),
        "ds_version_b": search('`modelops_events(apply_run)` model_family="$model$" model_version!="$va$" '
                               "| stats max(_time) AS last_apply by model_version | sort - last_apply "
                               "| eval label=model_version, value=model_version | table label value"),
        "ds_ab": search(runs + ' | modelcompare primary="$primary$" $va$ $vb$'),
        "ds_compare": chain("ds_ab", "| foreach value_a value_b delta [eval <<FIELD>>=round('<<FIELD>>', 4)] "
                             "| foreach p_value p_holm [eval <<FIELD>>=if('<<FIELD>>'<0.0001, \"<0.0001\", "
                             "round('<<FIELD>>', 4))] "
                             "| table metric value_a value_b delta test p_value p_holm winner"),
        "ds_intervals": chain("ds_ab", '| where metric!="_summary_" | table metric ci_low delta ci_high'),
        "ds_trend": search(runs + " | timechart avg(metrics.$primary$) by model_version"),
        "ds_segments": search(runs + ' | modelcompare by=$segment$ primary="$primary$" $va$ $vb$ '
                              '| where metric="_summary_" | foreach value_a value_b delta ci_low ci_high p_holm '
                              "[eval <<FIELD>>=round('<<FIELD>>', 4)] "
                              "| table $segment$ winner value_a value_b delta ci_low ci_high p_holm"),
    }
    v = {
        "viz_compare": viz("splunk.table", "modelcompare $va$ $vb$ (delta = b - a, Holm-adjusted p, winner)",
                           "ds_compare", description="Confidence intervals of each delta are in the chart below."),
        "viz_intervals": viz("splunk.column", "Delta and its confidence interval per metric", "ds_intervals"),
        "viz_trend": viz("splunk.line", "$primary$ of both versions over time", "ds_trend"),
        "viz_segments": viz("splunk.table", "Winner per $segment$", "ds_segments"),
    }
    statics = [{"label": m, "value": m} for m in ("f1", "accuracy", "roc_auc", "r2", "mae", "rmse")]
    segments = [{"label": s, "value": s} for s in ("host", "user", "container_image", "algo")]
    inputs = {"input_time": time_input("-30d@d,now"), "input_model": dropdown("model", "Model family", "ds_models"),
              "input_va": dropdown("va", "Version A", "ds_version_a"),
              "input_vb": dropdown("vb", "Version B", "ds_version_b"),
              "input_primary": dropdown("primary", "Primary metric", statics=statics, default="f1"),
              "input_segment": dropdown("segment", "Segment by", statics=segments, default="host")}
    layout = grid((320, [("viz_compare", 1200)]), (300, [("viz_intervals", 600), ("viz_trend", 600)]),
                  (240, [("viz_segments", 1200)]))
    return dashboard("A/B comparison", "Two versions of a family, with tests, intervals and a winner.", ds, v, inputs,
                     ["input_time", "input_model", "input_va", "input_vb", "input_primary", "input_segment"], layout)


def drift():
    profiles = '`modelops_events(profile)` model_family="$model$"'
    ds = {
        "ds_models": MODELS,
        "ds_latest": search(profiles + " | modeldrift"),
        "ds_latest_table": chain("ds_latest", "| foreach psi js statistic drift_share "
                                 "[eval <<FIELD>>=round('<<FIELD>>', 3)] "
                                 "| table model feature test psi psi_level js drift drift_share"),
        "ds_history": search(profiles + ' | modeldrift history=true | where feature!="_dataset_" '
                             "| bin _time span=1d | stats max(psi) AS psi by _time feature "
                             '| eval day=strftime(_time, "%Y-%m-%d") | table day feature psi'),
        # Features by their largest PSI; the first is the histogram's default (a table click picks another).
        "ds_features": chain("ds_latest", '| where feature!="_dataset_" | sort - psi | dedup feature '
                             "| eval label=feature, value=feature | table label value"),
        # The version with the newest current profile: its reference and its newest current profile.
        "ds_histogram": search(profiles + ' feature="$feature$" [search ' + profiles + ' role="current" '
                               "| head 1 | return model_name] | dedup role "
                               "| eval pair=mvzip(mvrange(0, mvcount('counts{}')), 'counts{}') | mvexpand pair "
                               '| eval bin=mvindex(split(pair, ","), 0), n=mvindex(split(pair, ","), 1) '
                               "| eventstats sum(n) AS total by role | eval share=round(n/total, 4) "
                               "| chart sum(share) over bin by role"),
        # Production's scored events (its inputs): the last day against the days before, on the features
        # its newest fit reported.
        "ds_data_quality": search(SCORED + ' | eval period=if(_time < relative_time(now(), "-1d@d"), "reference", '
                             '"current") | modelquality split=period [search `modelops_events(fit_run)` earliest=0 '
                             "model_family=\"$model$\" | head 1 | eval fields=mvjoin('features{}', \",\") "
                             "| return fields] | foreach missing_share missing_share_ref "
                             "[eval <<FIELD>>=round('<<FIELD>>', 3)] | table feature kind missing_share "
                             "missing_share_ref out_of_range unseen max_run stuck alert reasons"),
    }
    v = {
        # Bubble labels would print PSI rounded to an integer (0 for most days): size tells, the table has values.
        "viz_history": viz("splunk.punchcard", "PSI per feature and day (bigger bubble = more shift)", "ds_history",
                           {"bubbleLabelDisplay": "off"}),
        "viz_latest": viz("splunk.table", "Latest drift per feature (click a row for its histogram)", "ds_latest_table",
                          handlers=set_token("feature", "feature")),
        "viz_histogram": viz("splunk.column", "$feature$: reference vs current share per bin (newest version)",
                             "ds_histogram"),
        "viz_data_quality": viz("splunk.table", "Data quality of production's inputs: last day vs the days before "
                           "(modelquality)", "ds_data_quality", {"columnFormat": {"alert": {
                               "rowBackgroundColors": '> table | seriesByName("alert") | matchValue(alertColors)',
                               "rowColors": '> table | seriesByName("alert") | matchValue(alertText)'}}},
                           description="missing: share of empty cells; out_of_range: values outside the reference's "
                                       "[min, max]; unseen: new categories; max_run: longest repeat (stuck = 1)."),
    }
    v["viz_data_quality"]["context"] = {
        "alertColors": [{"match": "1", "value": "#D41F1F"}, {"match": "0", "value": "#118832"}],
        "alertText": [{"match": "1", "value": "#FFFFFF"}, {"match": "0", "value": "#FFFFFF"}]}
    inputs = {"input_time": time_input("-30d@d,now"), "input_model": dropdown("model", "Model family", "ds_models"),
              "input_feature": dropdown("feature", "Feature (histogram)", "ds_features")}
    layout = grid((320, [("viz_history", 1200)]), (320, [("viz_latest", 700), ("viz_histogram", 500)]),
                  (300, [("viz_data_quality", 1200)]))
    return dashboard("Drift", "Feature drift from profile telemetry, and the data quality of production's inputs.",
                     ds, v,
                     inputs, ["input_time", "input_model", "input_feature"], layout)


def registry():
    ds = {
        "ds_models": MODELS,
        "ds_versions": search('| modelregistry model="$model$" | table version dsdl_model aliases status created '
                              "created_by tags description", time=False),
        "ds_history": search('| modelregistry action=history model="$model$" | sort - when '
                             "| table when action alias from_version to_version actor reason", time=False),
        "ds_aliases": search('| modelregistry model="$model$" | where isnotnull(aliases) AND aliases!="" '
                             "| mvexpand aliases | rename aliases AS alias | table alias version", time=False),
        # Rollbacks made by the modelops_rollback alert action (its history reason names the alert and sid).
        "ds_automatic": search('| modelregistry action=history model="$model$" '
                               '| where like(reason, "automatic rollback by alert %") '
                               "| rex field=reason \"by alert '(?<alert>[^']+)' sid (?<sid>\\S+)\" | sort - when "
                               "| table when alias from_version to_version actor alert sid", time=False),
    }
    how = ("**Change the registry** (needs the `edit_modelops_registry` capability; the search checks it):\n\n"
           "- Click a **version** to preview its promotion to production.\n"
           "- Click an **alias** to preview its rollback.\n\n"
           "A preview changes nothing: write the reason, remove `preview=true` and run. By hand:\n\n"
           "```\n| modelregistry action=register model=$model$ version=<v> description=\"...\"\n```\n\n"
           "Apply whatever production points at: `` `modelops_apply($model$, production)` ``")
    promote = ('| modelregistry action=promote model="$model$" version="$row.version.value$" alias=production '
               'reason="..." preview=true')
    rollback = ('| modelregistry action=rollback model="$model$" alias="$row.alias.value$" reason="..." '
                'preview=true')
    v = {"viz_versions": viz("splunk.table", "Versions and aliases (click a version to promote it)", "ds_versions",
                             handlers=link_to_search(promote)),
         "viz_history": viz("splunk.table", "History, append-only, newest first", "ds_history"),
         "viz_aliases": viz("splunk.table", "Aliases (click one to roll it back)", "ds_aliases",
                            handlers=link_to_search(rollback)),
         "viz_how": markdown(how),
         "viz_automatic": viz("splunk.table", "Automatic rollbacks (modelops_rollback alert action)", "ds_automatic",
                              description="Moves made by an alert, not a person: the alert and its search id.")}
    inputs = {"input_model": dropdown("model", "Model family", "ds_models")}
    layout = grid((260, [("viz_versions", 1200)]),
                  (320, [("viz_history", 600), ("viz_aliases", 250), ("viz_how", 350)]),
                  (200, [("viz_automatic", 1200)]))
    return dashboard("Registry", "Versions, aliases and the full history of a family.", ds, v, inputs,
                     ["input_model"], layout)


def telemetry():
    ds = {
        "ds_events": search('`modelops_index` sourcetype="dsdl:modelops"'),
        "ds_by_type": chain("ds_events", "| timechart count by event_type"),
        "ds_models": chain("ds_events", "| stats dc(model_name) AS models"),
        "ds_last": chain("ds_events", '| stats latest(_time) AS last_event count by model_name '
                         '| eval last_event=strftime(last_event, "%Y-%m-%d %H:%M:%S") | sort - count'),
        "ds_lag": chain("ds_events", "| eval lag_s=_indextime-_time "
                        "| timechart avg(lag_s) AS avg_lag_s perc95(lag_s) AS p95_lag_s"),
    }
    v = {"viz_by_type": viz("splunk.area", "Events by type", "ds_by_type", {"stackMode": "stacked"}),
         "viz_models": viz("splunk.singlevalue", "Models reporting", "ds_models"),
         "viz_last": viz("splunk.table", "Last event per model", "ds_last"),
         "viz_lag": viz("splunk.line", "Ingestion lag (_indextime - _time, seconds)", "ds_lag")}
    layout = grid((280, [("viz_by_type", 900), ("viz_models", 300)]), (300, [("viz_last", 600), ("viz_lag", 600)]))
    return dashboard("Telemetry health", "Is telemetry arriving, from which models, how late?", ds, v,
                     {"input_time": time_input("-24h@h,now")}, ["input_time"], layout)


BOARDS = {"modelops_overview": overview, "modelops_model_detail": model_detail, "modelops_ab": ab_comparison,
          "modelops_drift": drift, "modelops_registry": registry, "modelops_telemetry": telemetry}


def render(name):
    definition = BOARDS[name]()
    return ('<dashboard version="2" theme="light">\n  <label>%s</label>\n  <description>%s</description>\n'
            "  <definition><![CDATA[\n%s\n]]></definition>\n</dashboard>\n"
            % (definition["title"], definition["description"], json.dumps(definition, indent=2)))


def main():
    os.makedirs(VIEWS, exist_ok=True)
    for name in BOARDS:
        with open(os.path.join(VIEWS, name + ".xml"), "w", encoding="utf-8") as f:
            f.write(render(name))
        print("wrote default/data/ui/views/%s.xml" % name)


if __name__ == "__main__":
    main()
