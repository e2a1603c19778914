import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { IsOptional, MaxLength } from 'class-validator';
import { ApiToken } from './api-token.entity';
import { Role, User } from './user.entity';

@InputType({ description: 'A new administrator or agent.' })
export class CreateUserInput {
  @Field({ description: 'The address they log in with; unique, at most 254 characters.' })
  @MaxLength(254)
  email!: string;
  @Field({ description: 'The name colleagues see, at most 200 characters.' }) @MaxLength(200) name!: string;
  @Field({ description: 'At least 8 characters; hand it over safely, they can change it with changePassword.' })
  @MaxLength(200)
  password!: string;
  @Field(() => Role, { description: 'What they may do.' }) role!: Role;
}

@InputType({ description: 'A long-lived token for an integration.' })
export class CreateApiTokenInput {
  @Field({ description: 'What the token is for, e.g. "CRM integration".' }) @MaxLength(200) name!: string;
  @Field(() => Int, {
    nullable: true,
    description:
      'Days until it expires: at most API_TOKEN_MAX_DAYS (90 by default), which is also what a token made without it gets.',
  })
  @IsOptional()
  expiresInDays?: number;
}

@ObjectType({ description: 'A new login session.' })
export class LoginResult {
  @Field({ description: 'Send as "Authorization: Bearer <token>".' }) token!: string;
  @Field(() => User, { description: 'Who logged in.' }) user!: User;
}

@ObjectType({ description: 'A new API token, with the token itself (shown only this once).' })
export class CreatedApiToken {
  @Field({ description: 'Shown only now; store it safely.' }) token!: string;
  @Field(() => ApiToken, { description: 'The token as apiTokens lists it.' }) apiToken!: ApiToken;
}

@ObjectType({ description: 'A generated password, shown once.' })
export class PasswordReset {
  @Field({
    description: 'The new password, shown only now: hand it to the user, who should change it with changePassword.',
  })
  password!: string;
  @Field(() => User, { description: 'Whose password it is.' }) user!: User;
}
