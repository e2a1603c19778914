import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { IsOptional, MaxLength } from 'class-validator';
import { ApiToken } from './api-token.entity';
import { Role, User } from './user.entity';

@InputType()
export class CreateUserInput {
  @Field() @MaxLength(254) email!: string;
  @Field() @MaxLength(200) name!: string;
  @Field({ description: 'At least 8 characters.' }) @MaxLength(200) password!: string;
  @Field(() => Role) role!: Role;
}

@InputType()
export class CreateApiTokenInput {
  @Field({ description: 'What the token is for, e.g. "CRM integration".' }) @MaxLength(200) name!: string;
  @Field(() => Int, { nullable: true, description: 'Days until it expires; never when not given.' })
  @IsOptional()
  expiresInDays?: number;
}

@ObjectType()
export class LoginResult {
  @Field({ description: 'Send as "Authorization: Bearer <token>".' }) token!: string;
  @Field(() => User) user!: User;
}

@ObjectType()
export class CreatedApiToken {
  @Field({ description: 'Shown only now; store it safely.' }) token!: string;
  @Field(() => ApiToken) apiToken!: ApiToken;
}
