import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes, so operators can filter orders in the Temporal Web UI
 * (`OrderStatus = "failed"`, `CustomerId = "c-42"`). Safe to import from workflow code.
 */
export const ORDER_STATUS = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const CUSTOMER_ID = defineSearchAttributeKey('CustomerId', SearchAttributeType.KEYWORD);

export const CUSTOM_SEARCH_ATTRIBUTES = [ORDER_STATUS, CUSTOMER_ID] as const;
