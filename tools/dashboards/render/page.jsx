// The page the render test loads: one Dashboard Studio view rendered by Splunk's own framework
// (DashboardCore + EnterpriseViewOnlyPreset), its definition exactly as the view's XML holds it.
// Every search data source type is replaced by FixtureSearch: the framework's TestDataSource
// answering with the fixture rows of that data source and recording the query it was given
// after token substitution. A data source without a fixture renders in error.
import React from 'react';
import { createRoot } from 'react-dom/client';
import { DashboardCore } from '@splunk/dashboard-core';
import { DashboardContextProvider } from '@splunk/dashboard-context';
import EnterpriseViewOnlyPreset from '@splunk/dashboard-presets/EnterpriseViewOnlyPreset';
import TestDataSource from '@splunk/datasources/TestDataSource';
import CustomUrlDrilldown from '@splunk/dashboard-event-handlers/CustomUrlDrilldown';
import SplunkThemeProvider from '@splunk/themes/SplunkThemeProvider';

const record = window.__render;

function fixtureSearch(type) {
    return class FixtureSearch extends TestDataSource {
        static config = {
            ...TestDataSource.config,
            // ds.chain extends these; the framework refuses chains on a source that does not say so.
            isChainEnabled: true,
            extendableByDataSourceTypes: ['ds.chain', 'ds.search', '_ds.snapshot_'],
        };

        constructor(options = {}, context = {}, meta, baseChainModel) {
            const id = context.id;
            const fixture = record.fixtures[id];
            record.queries.push({
                id,
                type,
                query: options.query ?? null,
                ref: options.ref ?? null,
                extend: options.extend ?? null,
                earliest: options.queryParameters?.earliest ?? null,
                latest: options.queryParameters?.latest ?? null,
            });
            const answer = fixture
                ? { data: { fields: fixture.fields.map((name) => ({ name })), columns: fixture.columns } }
                : {
                      errorLevel: 'error',
                      error: `no fixture for data source ${id}: add one in tools/dashboards/render/fixtures.py`,
                  };
            if (!fixture) record.missing.push(id);
            super({ ...answer, timeToStart: 0, timeToComplete: 0, increments: 1 }, context, meta, baseChainModel);
        }
    };
}

// drilldown.linkToSearch is Splunk Web's (the npm framework has no implementation): open the app's
// search page with the query, its row tokens already filled in by the framework, and a time range.
class LinkToSearch extends CustomUrlDrilldown {
    constructor(options = {}) {
        const params = new URLSearchParams({ q: options.query || '' });
        if (options.earliest !== undefined) params.set('earliest', options.earliest);
        if (options.latest !== undefined) params.set('latest', options.latest);
        const url = `/en-US/app/${window.$C.APP}/search?${params.toString()}`;
        super({ ...options, url });
        record.links.push({ query: options.query, url });
    }

    canHandle = (event) => !!event && !!this.options.query;
}

const preset = {
    ...EnterpriseViewOnlyPreset,
    eventHandlers: { ...EnterpriseViewOnlyPreset.eventHandlers, 'drilldown.linkToSearch': LinkToSearch },
    dataSources: {
        ...EnterpriseViewOnlyPreset.dataSources,
        'ds.search': fixtureSearch('ds.search'),
        'ds.chain': fixtureSearch('ds.chain'),
        'ds.savedSearch': fixtureSearch('ds.savedSearch'),
    },
};

createRoot(document.getElementById('root')).render(
    <SplunkThemeProvider family="enterprise" colorScheme="light" density="comfortable">
        <DashboardContextProvider preset={preset} initialDefinition={record.definition}>
            <DashboardCore width="100%" height="auto" />
        </DashboardContextProvider>
    </SplunkThemeProvider>
);
