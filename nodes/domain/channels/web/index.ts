export * from './limits';
export * from './live';
export * from './outbound';
export * from './requests';
export * from './session';
export * from './widget';
export * from './test-chat';
