// Validate Dashboard Studio views offline: the v29 dashboard schema plus the option schema of every
// visualization type we use (unknown splunk.* types and bad option values fail).
// Usage: node validate.js <view.xml>...   Prints one line per problem; exits 1 when there is any.
'use strict';
const fs = require('fs');
const path = require('path');
const { DashboardValidator } = require('@splunk/dashboard-validation');
const definition = require('@splunk/dashboard-definition');
const schemas = require('@splunk/visualization-schemas');

const VISUALIZATIONS = {
  'splunk.area': schemas.areaOptionsSchema,
  'splunk.bar': schemas.barOptionsSchema,
  'splunk.column': schemas.columnOptionsSchema,
  'splunk.line': schemas.lineOptionsSchema,
  'splunk.markdown': schemas.markdownOptionsSchema,
  'splunk.pie': schemas.pieOptionsSchema,
  'splunk.punchcard': schemas.punchcardOptionsSchema,
  'splunk.singlevalue': schemas.singleValueOptionsSchema,
  'splunk.table': schemas.tableOptionsSchema,
};

function validator() {
  const dict = {};
  for (const [type, schema] of Object.entries(VISUALIZATIONS)) {
    if (!schema) throw new Error('no option schema for ' + type);
    dict[type] = { schema };
  }
  const visualizationDict = definition.createComponentDict(dict, { allowTokenCoercion: true });
  const v = new DashboardValidator();
  const error = v.setSchema(definition.createSchemaBasedOnDicts({ visualizationDict }));
  if (error) throw error;
  return v;
}

function definitionOf(file) {
  const xml = fs.readFileSync(file, 'utf8');
  if (!/<dashboard\s[^>]*version="2"/.test(xml)) return [null, 'not a Dashboard Studio view (version="2")'];
  const match = xml.match(/<definition><!\[CDATA\[([\s\S]*?)\]\]><\/definition>/);
  if (!match) return [null, 'no <definition><![CDATA[...]]></definition>'];
  try {
    return [JSON.parse(match[1]), null];
  } catch (e) {
    return [null, 'definition is not JSON: ' + e.message];
  }
}

function references(def) {
  // Everything the layout, inputs and data sources name must exist.
  const problems = [];
  const layout = def.layout || {};
  for (const [id, body] of Object.entries(layout.layoutDefinitions || {})) {
    for (const block of body.structure || []) {
      if (!(def.visualizations || {})[block.item] && !(def.inputs || {})[block.item]) {
        problems.push(`layout ${id} places unknown item ${block.item}`);
      }
    }
  }
  for (const tab of (layout.tabs || {}).items || []) {
    if (!(layout.layoutDefinitions || {})[tab.layoutId]) problems.push(`tab names unknown layout ${tab.layoutId}`);
  }
  for (const input of layout.globalInputs || []) {
    if (!(def.inputs || {})[input]) problems.push(`unknown global input ${input}`);
  }
  for (const [kind, items] of [['visualization', def.visualizations || {}], ['input', def.inputs || {}]]) {
    for (const [id, item] of Object.entries(items)) {
      for (const ds of Object.values(item.dataSources || {})) {
        if (!(def.dataSources || {})[ds]) problems.push(`${kind} ${id} uses unknown data source ${ds}`);
      }
    }
  }
  for (const [id, ds] of Object.entries(def.dataSources || {})) {
    if (ds.type === 'ds.chain' && !(def.dataSources || {})[ds.options.extend]) {
      problems.push(`chain ${id} extends unknown data source ${ds.options.extend}`);
    }
  }
  return problems;
}

function main(files) {
  const v = validator();
  let failures = 0;
  for (const file of files) {
    const [def, problem] = definitionOf(file);
    const name = path.basename(file);
    const problems = problem ? [problem] : [];
    if (def) {
      for (const e of v.validate(def) || []) {
        problems.push(`${e.instancePath || '/'} ${e.message}${e.params && e.params.allowedValues ? ' ' + JSON.stringify(e.params.allowedValues) : ''}`);
      }
      problems.push(...references(def));
    }
    for (const p of problems) console.log(`${name}: ${p}`);
    failures += problems.length;
    if (!problems.length) console.log(`${name}: ok`);
  }
  process.exit(failures ? 1 : 0);
}

main(process.argv.slice(2));
