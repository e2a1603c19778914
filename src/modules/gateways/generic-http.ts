import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { ArrayMaxSize, IsOptional, MaxLength, ValidateNested } from 'class-validator';

/**
 * Settings of the generic HTTP provider (and of Tide and 3S, which have no public API spec):
 * an admin-defined send request and a field mapping for inbound requests.
 * Templates may use {to} {text} {from} {id} {login} {password}; header values are secrets.
 */
@InputType({ description: 'One HTTP header of the send request.' })
export class HttpHeaderInput {
  @Field({ description: 'The header name, e.g. "Authorization".' })
  @MaxLength(200)
  name!: string;

  @Field({ description: 'Write-only: may hold an API key.' })
  @MaxLength(4000)
  value!: string;
}

@InputType({ description: 'Generic HTTP provider settings.' })
export class GenericHttpInput {
  @Field({ defaultValue: 'POST', description: 'GET or POST.' })
  @MaxLength(10)
  method!: string;

  @Field({ description: 'http(s) URL; placeholders {to} {text} {from} {id} {login} {password} are URL-encoded.' })
  @MaxLength(2000)
  urlTemplate!: string;

  @Field(() => [HttpHeaderInput], {
    nullable: true,
    description: 'Headers of the send request (at most 20); on update, null keeps the stored ones.',
  })
  @IsOptional()
  @ArrayMaxSize(20)
  @ValidateNested({ each: true })
  headers?: HttpHeaderInput[];

  @Field({
    nullable: true,
    description: 'Request body with the same placeholders, JSON-escaped when the content type is JSON.',
  })
  @IsOptional()
  @MaxLength(10000)
  bodyTemplate?: string;

  @Field({
    nullable: true,
    defaultValue: 'application/x-www-form-urlencoded',
    description:
      'The content type of the body; a JSON type JSON-escapes the placeholders, a form type URL-encodes them.',
  })
  @IsOptional()
  @MaxLength(200)
  contentType?: string;

  @Field(() => Int, { nullable: true, description: 'The HTTP status that means success; any 2xx when not given.' })
  successStatus?: number;

  @Field({ nullable: true, description: 'A regular expression the response body must match for success.' })
  @IsOptional()
  @MaxLength(500)
  successBodyPattern?: string;

  @Field({ nullable: true, description: 'Dot path of the provider message id in a JSON response, e.g. "data.0.id".' })
  @IsOptional()
  @MaxLength(200)
  messageIdPath?: string;

  @Field({ nullable: true, defaultValue: 'from', description: 'Inbound: the request field with the sender number.' })
  @IsOptional()
  @MaxLength(100)
  inboundFromField?: string;

  @Field({ nullable: true, defaultValue: 'to', description: 'Inbound: the field with our (destination) number.' })
  @IsOptional()
  @MaxLength(100)
  inboundToField?: string;

  @Field({ nullable: true, defaultValue: 'text', description: 'Inbound: the field with the message text.' })
  @IsOptional()
  @MaxLength(100)
  inboundTextField?: string;

  @Field({ nullable: true, description: "Inbound: the field with the provider's message id." })
  @IsOptional()
  @MaxLength(100)
  inboundIdField?: string;

  @Field({ nullable: true, description: 'Inbound: the field with the time the provider received the message.' })
  @IsOptional()
  @MaxLength(100)
  inboundTimestampField?: string;

  @Field({ nullable: true, defaultValue: 'OK', description: 'Body we answer an accepted inbound request with.' })
  @IsOptional()
  @MaxLength(1000)
  inboundReplyBody?: string;
}

/** What is stored in `gateway.generic_http`: the input, with header values sealed. */
export interface StoredGenericHttp {
  method: string;
  urlTemplate: string;
  headers: { name: string; sealedValue: string }[];
  bodyTemplate?: string;
  contentType?: string;
  successStatus?: number;
  successBodyPattern?: string;
  messageIdPath?: string;
  inboundFromField?: string;
  inboundToField?: string;
  inboundTextField?: string;
  inboundIdField?: string;
  inboundTimestampField?: string;
  inboundReplyBody?: string;
}

@ObjectType({ description: 'Generic HTTP provider settings; header values are write-only.' })
export class GenericHttpSettings {
  @Field({ description: 'The HTTP method of the send request: GET or POST.' })
  method!: string;
  @Field({ description: 'The send request URL with its {to} {text} {from} {id} {login} {password} placeholders.' })
  urlTemplate!: string;
  @Field(() => [String], { description: 'Names of the configured headers (values are secret).' })
  headerNames!: string[];
  @Field({ nullable: true, description: 'The send request body with the same placeholders; null: no body.' })
  bodyTemplate?: string;
  @Field({ nullable: true, description: 'The content type of the send request body.' })
  contentType?: string;
  @Field(() => Int, { nullable: true, description: 'The HTTP status that means success; null: any 2xx.' })
  successStatus?: number;
  @Field({ nullable: true, description: 'A regular expression the response body must match for success.' })
  successBodyPattern?: string;
  @Field({ nullable: true, description: 'Dot path of the provider message id in a JSON response, e.g. "data.0.id".' })
  messageIdPath?: string;
  @Field({ nullable: true, description: 'Inbound: the request field with the sender number.' })
  inboundFromField?: string;
  @Field({ nullable: true, description: 'Inbound: the request field with our (destination) number.' })
  inboundToField?: string;
  @Field({ nullable: true, description: 'Inbound: the request field with the message text.' })
  inboundTextField?: string;
  @Field({ nullable: true, description: "Inbound: the request field with the provider's message id." })
  inboundIdField?: string;
  @Field({ nullable: true, description: 'Inbound: the request field with the time the provider received the message.' })
  inboundTimestampField?: string;
  @Field({ nullable: true, description: 'Body we answer an accepted inbound request with.' })
  inboundReplyBody?: string;

  static fromStored(s: StoredGenericHttp): GenericHttpSettings {
    const { headers, ...rest } = s;
    return Object.assign(new GenericHttpSettings(), rest, { headerNames: headers.map((h) => h.name) });
  }
}
